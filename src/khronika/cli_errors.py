"""The two ways a command fails on purpose, shared by the command modules: ``main`` turns
each into one ``khronika: error: ...`` line and its exit status."""


class UsageError(Exception):
    """An argument combination argparse cannot check; exits with status 2."""


class CommandError(Exception):
    """A command could not do what was asked; exits with status 1."""
