"""Knowledge's prompt templates (the .txt files beside this one), rendered by `ai.llm`."""

from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent
