# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""MLJET's runtime for this service: the HTTP API around the model
(validation, batching, the edge guard, protocols, metrics, the model page,
the OpenAPI document) and the glue to its web framework.

Every file here is maintained by MLJET, the same in every service of its
version, and replaced by `mljet update`; an update stops, naming the
file, if one was edited. The service's own modules are beside this
package, for its owner to change: `app.py` (the web app and its routes),
`model.py` (what happens before and after the model) and `settings.py`
(the defaults of the settings).
"""

# The version of MLJET this runtime comes from.
__version__ = "0.3.0"
