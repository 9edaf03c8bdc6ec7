"""The process edge of mailgate: the Starlette app, settings, auth, links, CLI and SMTP server."""
