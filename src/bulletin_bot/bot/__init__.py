"""The Telegram face: ``app`` (PTB wiring, ``serve``/``build_application``), ``handlers`` (thin
handlers), ``render`` (HTML), ``progress`` (the edited status message), ``store`` (SQLite: access
list, question log) and ``health`` (the container check).

Kept free of imports so that ``python -m bulletin_bot.bot.health`` stays light.
"""
