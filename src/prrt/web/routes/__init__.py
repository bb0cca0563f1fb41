"""Pages and API routes of the web application."""
