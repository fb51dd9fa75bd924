"""One router per resource: health, models, detection, metrics, the offline API docs."""
