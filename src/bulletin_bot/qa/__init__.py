"""Answering: question analysis, one module per question kind, ranked candidates, calibrated refusal.

question.py → kinds/<kind>.py (parse, extract) → rank.py (features, fitted weights) → abstain.py
(decision) → answerer.py (the Answer record). Nothing here imports the faces.
"""
