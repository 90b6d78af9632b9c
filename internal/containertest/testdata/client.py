# The container tests' Python app: azure-identity's DefaultAzureCredential
# and ManagedIdentityCredential, with nothing configured. One line per
# credential names the token by a hash, never the token itself.
import base64
import hashlib
import json
import sys

from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

SCOPE = "https://management.azure.com/.default"


def describe(token):
    claims = {}
    parts = token.split(".")
    if len(parts) == 3:
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            pass
    return "sha256=%s tid=%s aud=%s emulated=%s" % (
        hashlib.sha256(token.encode()).hexdigest()[:12],
        claims.get("tid", ""),
        claims.get("aud", ""),
        "true" if claims.get("aztoken_emulated") is True else "false",
    )


for cls in (DefaultAzureCredential, ManagedIdentityCredential):
    try:
        tok = cls().get_token(SCOPE)
    except Exception as e:  # the SDK's own message is what a user would see
        print("%s failed: %s" % (cls.__name__, e))
        sys.exit(1)
    print("%s ok %s" % (cls.__name__, describe(tok.token)))
