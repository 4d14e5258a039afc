"""The customers' portal: sign-in, cases, attachments and the knowledge base, in four languages."""
