class ExpertPoolError(Exception):
    """A rule of the expert pool refused the change; the message tells the person what to do."""
