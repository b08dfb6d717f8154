"""Cloud operations run from a workstation or CI: synth/deploy (``deploy``) and the
post-deploy checks (``smoke``)."""
