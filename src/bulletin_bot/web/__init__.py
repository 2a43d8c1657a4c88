"""The web face: ``app`` (FastAPI wiring, pages, limits), ``api`` (JSON API), ``auth`` (users, tokens,
sessions, login limits), ``settings`` (``BULLETIN_WEB_*``) and ``static/`` (the pages, no CDN).

"""
