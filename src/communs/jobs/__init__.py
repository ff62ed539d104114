"""Job offers: moderated, filtered, expiring by themselves."""
