"""Pure core: forges and what they say about repositories. No Django inside."""
