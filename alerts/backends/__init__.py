"""Mail backends behind one interface: file (default, the demo), smtp, sendgrid."""
