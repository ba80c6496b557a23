"""Pictures of the model: static figures for `commissioning compare` (charts.py) and the
browser app started by `commissioning app` (app.py: Explore, Compare and Lesson pages)."""
