"""Rendering: the user's options, the backends, the Copier answers, the
template and its releases, pinned requirements, the generated project's
layout, and the post-generation hooks that complete a rendered project."""
