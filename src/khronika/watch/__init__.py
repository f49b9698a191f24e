"""Watching sources: feeds, channels, pages and folders, polled politely."""
