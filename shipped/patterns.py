"""What Kubernetes takes as a name or a label, as regular expressions for ``re.fullmatch``: one home for the stack
config's checks (``config/``) and for what runs elsewhere (``shipped/``). Standard library only, like all of
``shipped/``, so that ``config/`` may import it without importing anything above itself."""

LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
"""A label value that is not empty, and the name part of a label key: at most 63 letters, digits, '-', '_' and
'.', starting and ending with a letter or digit."""
LABEL_VALUE = rf"({LABEL_NAME})?"
"""A label value: a label name, or empty."""
DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
"""Most Kubernetes object names (RFC 1123 labels), and what Docker's name resolution answers on a network."""
