from tests.admin.conftest import login  # noqa: F401  (a client signed in as a given user)
from tests.frontdesk.conftest import desk  # noqa: F401  (a signed-in front-desk member of "maple")
