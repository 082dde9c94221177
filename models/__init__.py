"""What is learned and how it is used: colour science, networks, inference."""
