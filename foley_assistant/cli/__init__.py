"""The `foley-assistant` command line."""
