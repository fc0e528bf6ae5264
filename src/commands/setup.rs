//! `digiusher-mcp setup <host> [--print | --link]`: add this server to an MCP
//! host's configuration, or only show the JSON or the host's install link, and
//! say what happened and what to do next. `setup --list` prints the hosts' names,
//! one a line, for `install.sh`.

use super::CommandError;
use crate::setup::{self, Applied, Installed};
use crate::setup_hosts::{NPM_PACKAGE, SetupHost};
use crate::terminal::{errln, outln};

/// What `setup` was asked to do.
pub enum Action {
    /// Name every host `setup` knows.
    List,
    /// Print the install link for the npx form.
    Link(SetupHost),
    /// Print the entry, change nothing.
    Print(SetupHost),
    /// Write the entry into the host's file.
    Write(SetupHost),
}

impl Action {
    /// The action for the command line, which asks for a host unless `--list` is
    /// given: without one, there is only the list to print.
    pub fn new(host: Option<SetupHost>, print: bool, link: bool) -> Action {
        match host {
            None => Action::List,
            Some(host) if link => Action::Link(host),
            Some(host) if print => Action::Print(host),
            Some(host) => Action::Write(host),
        }
    }
}

pub fn run(action: Action, profile: Option<&str>) -> Result<(), CommandError> {
    match action {
        Action::List => {
            for host in SetupHost::ALL {
                outln!("{}", host.name);
            }
        }
        Action::Link(host) => print_link(&host, profile)?,
        Action::Print(host) => {
            let snippet = setup::snippet(&host, profile)?;
            outln!("{}", snippet.text);
            errln!("Add this to {} ({}).", snippet.path.display(), host.title);
        }
        Action::Write(host) => {
            let installed = setup::install(&host, profile)?;
            outln!("{}", what_happened(&installed));
            outln!("Next: {}", host.next_step);
            outln!("Sign in first if you have not: `digiusher-mcp login`.");
        }
    }
    Ok(())
}

/// The link alone on stdout, for scripts; how to use it on stderr.
fn print_link(host: &SetupHost, profile: Option<&str>) -> Result<(), CommandError> {
    let link = setup::install_link(host, profile)?;
    outln!("{link}");
    errln!(
        "Open this link on a machine with {} and Node.js: {} asks to add the server, started with `npx -y {NPM_PACKAGE}`.",
        host.title,
        host.title
    );
    Ok(())
}

fn what_happened(installed: &Installed) -> String {
    let Installed {
        name,
        path,
        applied,
    } = installed;
    let path = path.display();
    match applied {
        Applied::Created => format!("Created {path} with the \"{name}\" server."),
        Applied::Added { backup: None } => format!("Added \"{name}\" to {path}."),
        Applied::Added { backup: Some(b) } => format!(
            "Added \"{name}\" to {path} (previous version saved as {}).",
            b.display()
        ),
        Applied::Replaced { backup } => format!(
            "Updated \"{name}\" in {path} (previous version saved as {}).",
            backup.display()
        ),
        Applied::Unchanged => format!("{path} already has this \"{name}\" entry; nothing changed."),
    }
}
