#!/usr/bin/env python3
"""A tiny GTK drag source for end-to-end tests: a window at (X, Y) whose button drags the
file URIs given on the command line, so xdotool can perform a real drag-and-drop onto the app.

    drag_source.py X Y FILE...
Prints "ready" once the window is mapped (the test then also waits for it to be visible)."""
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import GLib, Gdk, Gtk  # noqa: E402

x, y = int(sys.argv[1]), int(sys.argv[2])
uris = [GLib.filename_to_uri(p, None) for p in sys.argv[3:]]

win = Gtk.Window(title="postbridge-drag-source")
win.set_default_size(200, 120)
win.move(x, y)
button = Gtk.Button(label="drag me")
button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
button.drag_source_add_uri_targets()
button.connect("drag-data-get", lambda _w, _ctx, data, _info, _time: data.set_uris(uris))
win.add(button)
win.connect("destroy", Gtk.main_quit)


def ready(*_args):
    print("ready", flush=True)
    return False


win.connect("map-event", ready)
win.show_all()
Gtk.main()
