# v0.1.0
# { "Depends": "py-genlayer:test" }
# A GenLayer consumer contract of api-usage-billing: it bills its caller (the end user) one call per
# outbound fetch. On GenLayer a call to another contract's write method is a queued message, run
# later as its own transaction, so the bill cannot stop a fetch that already happened. What is
# synchronous is a view: preview_bill says whether the bill would pass now; only then the fetch runs
# (in a non-deterministic block every validator repeats), and the bill is queued with this
# contract's own increasing usage id, which the billing contract accepts once, whatever the order.
# The end user must have subscribed and approved this contract as a delegate.
from genlayer import *


class WeatherConsumer(gl.Contract):
    billing: Address
    api_name: str
    base_url: str
    # The usage id of the next bill: one sequence for all users (each stays increasing per user).
    next_usage_id: u256

    def __init__(self, billing_address: str, api_name: str, base_url: str):
        self.billing = Address(billing_address)
        self.api_name = api_name
        self.base_url = base_url
        self.next_usage_id = u256(1)

    @gl.public.write
    def fetch(self, path: str) -> str:
        user = gl.message.sender_address
        billing = gl.get_contract_at(self.billing)
        # Synchronous: what consume_credits(api, user, 1, 0) by this contract would answer now.
        preview = billing.view().preview_bill(self.api_name, user, 1)
        if not preview["allowed"]:
            raise gl.vm.UserError("[EXPECTED] billing refused: " + str(preview["code"]))
        url = self.base_url + path

        def get_body() -> str:
            response = gl.nondet.web.get(url)
            if response.status >= 500:
                # A failed fetch reverts the whole call: no bill is queued.
                raise gl.vm.UserError("[EXPECTED] fetch failed: " + str(response.status))
            return (response.body or b"").decode("utf-8")

        body = gl.eq_principle.strict_eq(get_body)
        usage_id = int(self.next_usage_id)
        self.next_usage_id = u256(usage_id + 1)
        # Queued: runs after this transaction is accepted. Other bills landing first can still make
        # it refused (at most the calls in flight); a duplicate of it is refused, never billed twice.
        billing.emit(on="accepted").consume_credits(self.api_name, user, 1, usage_id)
        return body

    @gl.public.view
    def get_billing(self) -> str:
        return self.billing.as_hex
