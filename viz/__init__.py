"""Pictures of the model: static figures (matplotlib) and, later, the browser app."""
