-- wrk script: GET a random tile from a list of "z/x/y" lines, asking for gzip like a browser.
-- Usage: wrk ... -s wrk_tiles.lua URL -- PATHS_FILE PREFIX SUFFIX
--   PATHS_FILE  one "z/x/y" per line (existing tiles only)
--   PREFIX      URL path before z/x/y, e.g. /tiles/bench/
--   SUFFIX      after y, e.g. .pbf (may be empty)

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

local paths, prefix, suffix

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  prefix, suffix = args[2], args[3] or ""
  math.randomseed(seed or 1)
  wrk.headers["Accept-Encoding"] = "gzip"
end

function request()
  return wrk.format("GET", prefix .. paths[math.random(#paths)] .. suffix)
end
