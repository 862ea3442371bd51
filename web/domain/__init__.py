"""The neutral domain core: the brief, the enums, the plan schema, the exercise catalogue, the
training rules and the periodisation skeleton.

Coaches, generation, plans and pages all import from here; nothing here imports from them.
"""
