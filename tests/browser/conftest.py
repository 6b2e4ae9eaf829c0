import os

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# between browser steps are ordinary blocking calls, which is what this flag allows.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
