"""One router per resource; all mounted by ``gateway.service.app.create_app``."""
