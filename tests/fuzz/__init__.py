"""Fuzz tests: Hypothesis-generated updates through the running bot, and generated tip files."""
