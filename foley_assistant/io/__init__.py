"""Everything that touches files: timelines, video, audio, tracks and project files, exports."""
