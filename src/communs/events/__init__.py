"""Community events: webinars, meetings, sprints; registration and calendars."""
