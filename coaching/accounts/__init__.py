"""People: users, practices, trainers and clients, their roles, sign-in and "me"."""
