"""Code that runs somewhere else than the Pulumi program: fixed, linted modules fed with generated JSON data.

``render`` ships their source text verbatim (Helm ``extraConfig``, image build arguments); tests import them.
"""
