//! Network input fetching (feature `net`): NVIDIA's RIM service, OCSP responders and NRAS.
//! (Under construction.)
