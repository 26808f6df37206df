"""One router per feature; ``api.app.create_app`` assembles them.

Route paths write row ids as ``{name:id}`` (``api.schemas.RowIdConvertor``), registered
here before any router is built.
"""

import api.schemas  # noqa: F401  - registers the ``id`` path convertor
