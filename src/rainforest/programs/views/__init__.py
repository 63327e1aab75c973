"""The programme's pages, by subject."""
