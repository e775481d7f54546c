"""Hand-off to the editor's other tools: exports (REAPER, AAF, FCP 7 XML, EDL, OTIO, ADM), export bundles and NLE placements."""
