"""Example node package: each node says what it is by traits on its definition only.

* Convert Currency (`exampleConvertCurrency`): pure and item-wise, so a batch run fuses it
  into the per-block tasks and Ray may run it again after a worker dies.
* Append to Ledger (`exampleAppendToLedger`): writes to a file, so it is effectful (the
  default): it runs at most once, and a resumed execution does not repeat it.
* Items Webhook (`exampleItemsWebhook`): a webhook-kind trigger; `hetumind serve` routes
  /webhook/<path> to it as it does to n8n's Webhook node.
"""

from hetumind_example_nodes.currency import ConvertCurrency
from hetumind_example_nodes.ledger import AppendToLedger
from hetumind_example_nodes.webhook import ItemsWebhook

__all__ = ["AppendToLedger", "ConvertCurrency", "ItemsWebhook"]
