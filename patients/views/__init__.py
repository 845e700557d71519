"""Front-desk pages. Each module is one page or flow; patients/urls.py routes them."""
