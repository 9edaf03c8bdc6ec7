"""The contract's object types."""
