"""The API's routers, one module per resource."""

__all__ = ["credentials", "executions", "live", "webhooks", "workflows"]
