"""The app's editing session: edits as undoable commands, renders into the scratch area, saving, audition and the app's jobs."""
