"""The rule book: contents, items, parameters and their dated versions, and edits to them."""
