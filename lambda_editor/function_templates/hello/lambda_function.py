"""A first Lambda function: it greets whoever the event names.

Invoke it with {"name": "Ada"}; it answers {"message": "Hello, Ada!"}.
"""


def lambda_handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    print(f"greeting {name}")  # print goes to the function's log
    return {"message": f"Hello, {name}!"}
