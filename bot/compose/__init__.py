"""Composing posts: sandboxed templates, platform length and mention rules, planning."""
