"""How close knowledge must be before the LLM engine asks the model about it."""

# Below this closeness (the hybrid search's score) the knowledge is about something else,
# however question-like the message: a call to the model would be wasted. The local engine's
# own threshold sits above it.
RELEVANT_FROM = 0.45
