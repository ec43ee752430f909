"""The default aseanner model (installed as ``aseanner.models``); see manifest.json."""
