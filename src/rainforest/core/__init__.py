"""The pure core: rules that must be right, with no Django import.

Clock, identifiers and randomness are passed in, never read here.
"""
