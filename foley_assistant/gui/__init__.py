"""The PySide6 desktop app. It holds no business logic: every task is a pipeline job."""
