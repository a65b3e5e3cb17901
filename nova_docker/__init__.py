"""Nova compute drivers for Docker and libvirt, a hybrid of both, and a compute agent."""
