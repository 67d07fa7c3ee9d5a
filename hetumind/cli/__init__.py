"""The `hetumind` command line."""
