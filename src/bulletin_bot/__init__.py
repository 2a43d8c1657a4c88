"""bulletin-bot: cited answers to questions about Chinese work bulletins (简报)."""

__version__ = "0.1.0"
