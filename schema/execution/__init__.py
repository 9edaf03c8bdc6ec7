"""How a GraphQL document is run: parsed and validated once, persisted, compiled.

graphql-core and Strawberry stay the reference; what is here only saves work that
repeats from one request to the next.
"""
